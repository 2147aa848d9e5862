// Placeholder until the orders worker lands.
