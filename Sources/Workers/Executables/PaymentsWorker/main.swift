// Placeholder until the payments worker lands.
