"""updates: a software-update server (a manifest and large binaries) run on EC2 instances
behind an ALB, with CloudFront in front of it as a custom origin."""
