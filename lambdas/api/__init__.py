"""HTTP edge of the wallet: request/response models, the resolver and the one error-to-HTTP map."""
