"""Provisioning: the cloud assembly read, intrinsics resolved, resources created by the
providers the emulated services declare, state of what each resource became."""
