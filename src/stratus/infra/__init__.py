"""The CDK app (`build_app`), its stacks and constructs. Never shipped in a Lambda bundle."""
