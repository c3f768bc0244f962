using Rampart.Core.Filtering;

namespace Rampart.DataPath.Linux;

/// <summary>What <see cref="NetfilterRules"/> installs: queues, the selector of secured peers, marks and MSS.</summary>
public sealed record NetfilterRuleSet
{
    /// <summary>Queue for outbound packets (mangle POSTROUTING, after routing).</summary>
    public ushort OutboundQueue { get; init; }

    /// <summary>Queue for inbound secured packets (raw PREROUTING, before conntrack).</summary>
    public ushort InboundQueue { get; init; } = 1;

    /// <summary>
    /// Addresses or subnets (CIDR, IPv4 or IPv6) whose traffic is secured; empty means all non-exempt traffic.
    /// </summary>
    public IReadOnlyList<string> SecuredPeers { get; init; } = [];

    /// <summary>IP protocols that carry secured traffic and are queued inbound: ESP (50) and AH (51).</summary>
    public static IReadOnlyList<byte> SecuredProtocols { get; } = [50, 51];

    /// <summary>The KDCs and directories this host talks to in clear as a client (<see cref="ExemptTraffic.Servers"/>).</summary>
    public IReadOnlyList<ExemptServer> ExemptServers { get; init; } = [];

    /// <summary>The bit the inbound handler sets on decapsulated packets, which the guard chain lets through.</summary>
    public uint DecapsulatedMark { get; init; } = 0x0010_0000;

    /// <summary>MTU of the link to the peers.</summary>
    public int LinkMtu { get; init; } = 1500;

    /// <summary>
    /// Worst-case bytes the transform adds, so TCP segments are clamped to fit: ESP with a 16-byte IV,
    /// up to 15 bytes of padding, 2-byte trailer and 16-byte ICV, plus a tunnel IPv6 header and UDP encapsulation.
    /// </summary>
    public int MaxOverhead { get; init; } = 8 + 16 + 15 + 2 + 16 + 40 + 8;

    /// <summary>Prefix of every chain Rampart owns; nothing else is touched.</summary>
    public string ChainPrefix { get; init; } = "RAMPART";

    public int ClampedMss(bool ipv6) => LinkMtu - (ipv6 ? 60 : 40) - MaxOverhead;
}
