"""Model evaluation across fonts the model never saw: family folds, cross-validation, baselines."""
