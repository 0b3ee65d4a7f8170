"""Static files Hubbub serves (the webchat widget), read as package data."""
