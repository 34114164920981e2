"""Browser tests: Playwright's assertions wait up to 15 s (its default is 5 s).

What a page shows after a tap often waits on the local API, and a function's first call on a
loaded machine is a cold start: the fresh clone's full run met one of 5 s init plus 1.8 s
(`test_web_client_signs_in_with_the_hosted_ui`, the new to-do not yet listed at 5 s). The
pages' own action timeouts are set where they are made (`phone_page`: 15 s).
"""

from playwright.sync_api import expect

expect.set_options(timeout=15_000)
