"""The workbook a manager reads: navigation and print set-up of the result sheets, and the
management pack (one PDF of the sheets a controller reads)."""
