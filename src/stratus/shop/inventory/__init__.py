"""inventory: stock per product, reserved when an order is placed, released when its payment
fails (issue 11). A long-running container service (ASGI app + SQS worker) on ECS Fargate
behind an ALB, with its data in PostgreSQL; the stack is `stratus.infra.shop.inventory`.

domain (pure rules) · store (SQL, psycopg pool) · migrate (versioned SQL, advisory lock) ·
events (SQS bodies -> commands) · worker (SQS long polling) · app (Starlette) · config.
"""
