namespace Rampart.Core.Policy;

/// <summary>The walkthrough's defaults, in one place so the agent, IKE and the CLI agree on them.</summary>
public static class PolicyDefaults
{
    /// <summary>Main mode (IKE SA) lifetime: 8 hours.</summary>
    public const int MainModeLifetimeMinutes = 480;

    /// <summary>Quick mode (IPsec SA) lifetime in seconds.</summary>
    public const int QuickModeLifetimeSeconds = 900;

    /// <summary>Quick mode byte limit: 2 GB, expressed in kilobytes as the walkthrough's dialog does.</summary>
    public const long QuickModeLifetimeKilobytes = 2_097_152;

    /// <summary>An IPsec SA with no traffic for this long is deleted.</summary>
    public static readonly TimeSpan IdleSaTimeout = TimeSpan.FromMinutes(5);

    /// <summary>After a failed negotiation, matching outbound packets are blocked this long before a retry.</summary>
    public static readonly TimeSpan FailedNegotiationBlock = TimeSpan.FromMinutes(1);
}
