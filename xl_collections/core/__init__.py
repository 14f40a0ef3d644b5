"""The core every layer stands on: money in minor units, dates and terms, errors as data,
the table schemas and settings declared once, FX rates, document numbers and A1 addresses.
Nothing here knows about a workbook, a sheet or a step."""
