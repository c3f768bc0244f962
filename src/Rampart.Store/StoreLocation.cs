namespace Rampart.Store;

/// <summary>Where a host's state lives: <c>$RAMPART_HOME</c>, by default <c>/var/lib/rampart</c>.</summary>
public static class StoreLocation
{
    public const string HomeVariable = "RAMPART_HOME";

    public const string DefaultHome = "/var/lib/rampart";

    public const string DatabaseFileName = "policy.db";

    public static string Home => Environment.GetEnvironmentVariable(HomeVariable) is { Length: > 0 } home ? home : DefaultHome;
}
