// Placeholder: the real router lands next.
