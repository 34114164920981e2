"""CloudFormation as the local cloud emulates it: the provisioner's control plane and the
endpoint custom resources answer on."""
