from enum import StrEnum


class OrderOrderStatus(StrEnum):
    PAID = "PAID"
    PAYMENT_FAILED = "PAYMENT_FAILED"
    PLACED = "PLACED"
    SHIPPED = "SHIPPED"

    def __str__(self) -> str:
        return str(self.value)
