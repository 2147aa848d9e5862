// Placeholder until the API lands.
