"""CDK: the update server on EC2 (Auto Scaling group behind an ALB) with CloudFront in front."""
