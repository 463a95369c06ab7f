"""What each query, mutation and subscription does, one module per domain."""
