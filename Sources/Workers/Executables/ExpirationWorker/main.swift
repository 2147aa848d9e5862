// Placeholder until the expiration worker lands.
