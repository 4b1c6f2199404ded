"""Transports turn platform events into Inbound and deliver Outbound. Only transports import platform libraries."""
