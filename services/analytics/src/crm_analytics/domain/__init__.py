"""The analytics domain as plain classes and rules, no I/O: the customer read model."""
