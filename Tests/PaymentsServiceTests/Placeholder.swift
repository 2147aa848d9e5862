// Placeholder until the payments service's tests land.
