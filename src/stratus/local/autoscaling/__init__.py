"""EC2 Auto Scaling as an emulated service: a group's instances run as local processes.

Modules: `userdata` (what an instance runs locally, read from its launch template's user
data), `providers` (AWS::EC2::LaunchTemplate and AWS::AutoScaling::AutoScalingGroup,
recorded), `instances` (one instance process and a group's runner that keeps its desired
capacity), `service` (the wiring).
"""
