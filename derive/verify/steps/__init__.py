"""Stage 2: expression trees -> chains of relations (steps); operations on trees."""
