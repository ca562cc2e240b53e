"""Report writers: spreadsheet-safe CSV, Parquet, summary.json and the HTML report."""
