namespace Rampart.Core.Filtering;

/// <summary>Which way a packet crosses this host: exemptions depend on it (a local port is not a peer's port).</summary>
public enum TrafficDirection : byte
{
    /// <summary>Sent by this host: the source is local.</summary>
    Outbound,

    /// <summary>Received by this host: the destination is local.</summary>
    Inbound,
}
