namespace Rampart.DataPath.PolicyEngine;

/// <summary>Limits and timeouts of the <see cref="DataPathEngine"/>.</summary>
public sealed record DataPathEngineOptions
{
    /// <summary>Packets kept per binding while IKE negotiates (0: drop them all, as Windows 2000 did).</summary>
    public int MaxHeldPacketsPerBinding { get; init; } = 4;

    /// <summary>Held packets older than this are dropped.</summary>
    public TimeSpan HoldTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>A pending negotiation this old is forgotten: the next packet raises a new acquire.</summary>
    public TimeSpan AcquireRetryInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long matching packets are dropped after a failed negotiation (one minute in Windows 2000).</summary>
    public TimeSpan NegotiationBlockDuration { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Acquires waiting for the agent; further ones are dropped (and retried by later packets).</summary>
    public int AcquireQueueCapacity { get; init; } = 256;

    /// <summary>
    /// Bindings negotiating at once; packets for further new bindings are dropped, so a flood cannot grow memory
    /// (held packets are at most this times <see cref="MaxHeldPacketsPerBinding"/> buffers of about 2.5 KB).
    /// </summary>
    public int MaxPendingNegotiations { get; init; } = 1024;
}
