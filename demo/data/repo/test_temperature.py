"""Tests for temperature.py."""

import unittest

from temperature import celsius_to_fahrenheit


class CelsiusToFahrenheitTest(unittest.TestCase):
    def test_freezing_point(self) -> None:
        self.assertEqual(celsius_to_fahrenheit(0), 32)

    def test_boiling_point(self) -> None:
        self.assertEqual(celsius_to_fahrenheit(100), 212)


if __name__ == "__main__":
    unittest.main()
