"""The shop's stacks: `ShopPlatform-<stage>` (shared user pool, event bus, alarm topic) and
one `Shop<Service>-<stage>` stack per service, each built on `ServiceTemplate`."""
