"""AWS access behind small classes; domain code never imports boto3."""
