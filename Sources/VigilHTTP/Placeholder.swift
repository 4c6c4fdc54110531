/// Placeholder; the client lands with issue 3.
public enum VigilHTTPPlaceholder {}
