// Placeholder until the auth worker lands.
