"""Conversions between degrees Celsius and degrees Fahrenheit."""


def celsius_to_fahrenheit(celsius: float) -> float:
    """Degrees Celsius in degrees Fahrenheit."""
    return celsius * 9 / 5 + 32


def fahrenheit_to_celsius(fahrenheit: float) -> float:
    """Degrees Fahrenheit in degrees Celsius."""
    return fahrenheit - 32 * 5 / 9
