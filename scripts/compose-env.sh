#!/usr/bin/env bash
# Prints an .env for compose.yaml with fresh random secrets, for running the fleet on your own
# machine: `scripts/compose-env.sh > .env` (.env is ignored by git; never commit it). The
# payments worker uses the built-in test gateway (tok_visa); set STRIPE_KEY instead for Stripe.
set -euo pipefail
secret() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
echo "JWT_KEY=$(secret 32)"
# The API seals passwords to the auth worker with this key (kid:base64 of 32 bytes).
echo "PASSWORD_SEAL_KEYS=k1:$(head -c 32 /dev/urandom | base64)"
echo "POSTGRES_PASSWORD=$(secret 16)"
echo "API_DATABASE_PASSWORD=$(secret 16)"
for user in API AUTH TICKETS ORDERS EXPIRATION PAYMENTS ADMIN; do
    echo "REDIS_PASSWORD_$user=$(secret 24)"
done
echo "PAYMENT_GATEWAY=test"
