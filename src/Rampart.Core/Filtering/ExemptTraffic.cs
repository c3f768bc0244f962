using System.Globalization;

namespace Rampart.Core.Filtering;

/// <summary>
/// Traffic that IPsec never secures, by endpoint and direction (MISSION.md section 1, narrower than Windows 2000,
/// whose default exemptions let in anything sent from a peer's port 88 or 500; Microsoft later closed that with
/// NoDefaultExempt): IKE to and from this host's own UDP 500 and 4500 (the agent's IKE sockets; ESP-in-UDP on 4500
/// is still unwrapped and checked by the data path), Kerberos and LDAP only as a client of the configured KDC and
/// directory, broadcast, multicast and RSVP (protocol 46). A datagram from a peer's port 500 to any other local
/// port is not exempt.
/// </summary>
public sealed class ExemptTraffic
{
    public const byte Rsvp = 46;

    private static readonly UInt128 IPv6MulticastMask = (UInt128)0xFF << 120;
    private static readonly UInt128 IPv6Multicast = (UInt128)0xFF << 120;

    private readonly IReadOnlySet<UInt128> _directedBroadcasts;
    private readonly ServerKey[] _servers;

    /// <param name="directedBroadcasts">The broadcast addresses of the host's IPv4 subnets (IPv4, low 32 bits).</param>
    /// <param name="servers">The KDCs and directories this host is a client of (none until the host joins a realm).</param>
    public ExemptTraffic(IReadOnlySet<UInt128>? directedBroadcasts = null, IReadOnlyList<ExemptServer>? servers = null)
    {
        _directedBroadcasts = directedBroadcasts ?? new HashSet<UInt128>();
        Servers = servers ?? [];
        _servers = [.. Servers.Select(s => new ServerKey(AddressPrefix.ToNumber(s.Address).Value, s.IsIPv6, s.Port))];
    }

    /// <summary>Only the exemptions every host has: no directed broadcasts known, no KDC, no directory.</summary>
    public static ExemptTraffic Default { get; } = new();

    public IReadOnlyList<ExemptServer> Servers { get; }

    /// <summary>True when the packet, crossing this host in <paramref name="direction"/>, is never secured.</summary>
    public bool IsExempt(in FlowKey flow, TrafficDirection direction)
    {
        if (flow.Protocol == Rsvp)
        {
            return true;
        }

        if (flow.Protocol == FlowKey.Udp && IsIkePort(direction == TrafficDirection.Outbound ? flow.SourcePort : flow.DestinationPort))
        {
            return true;
        }

        if (flow.Protocol is FlowKey.Udp or FlowKey.Tcp && IsServerTraffic(flow, direction))
        {
            return true;
        }

        return IsBroadcastOrMulticast(flow.Destination, flow.IsIPv6, _directedBroadcasts);
    }

    public static bool IsBroadcastOrMulticast(UInt128 destination, bool isIPv6, IReadOnlySet<UInt128>? directedBroadcasts = null)
    {
        if (isIPv6)
        {
            return (destination & IPv6MulticastMask) == IPv6Multicast;
        }

        var address = (uint)destination;
        return address == uint.MaxValue                         // limited broadcast
            || (address & 0xF000_0000u) == 0xE000_0000u         // 224.0.0.0/4 multicast
            || (directedBroadcasts?.Contains(destination) ?? false);
    }

    /// <summary>The list as <c>rampart agent status</c> shows it.</summary>
    public IReadOnlyList<Exemption> Describe()
    {
        var list = new List<Exemption>
        {
            new("IKE", "UDP to this host's ports 500 and 4500 (the agent's IKE sockets) and from them; ESP-in-UDP on 4500 is unwrapped and checked against policy"),
        };
        foreach (var service in new[] { ExemptService.Kerberos, ExemptService.Ldap })
        {
            var servers = Servers.Where(s => s.Service == service).ToList();
            list.Add(new(
                service == ExemptService.Kerberos ? "Kerberos" : "LDAP",
                servers.Count == 0
                    ? (service == ExemptService.Kerberos ? "none: no KDC configured" : "none: no directory configured")
                    : "TCP and UDP to " + string.Join(", ", servers.Select(Endpoint)) + " and the replies to what this host sent"));
        }

        var broadcasts = _directedBroadcasts.Order().Select(b => AddressPrefix.ToAddress(b, isIPv6: false).ToString()).ToList();
        list.Add(new("broadcast", broadcasts.Count == 0
            ? "255.255.255.255 and each local IPv4 subnet's broadcast"
            : "255.255.255.255 and the local subnets' broadcasts " + string.Join(", ", broadcasts)));
        list.Add(new("multicast", "224.0.0.0/4 and ff00::/8"));
        list.Add(new("RSVP", "IP protocol 46"));
        list.Add(new("IPv6 neighbour discovery", "ICMPv6 types 133-137, so the link itself works"));
        list.Add(new("loopback", "traffic that never leaves this host (lo)"));
        return list;
    }

    private static string Endpoint(ExemptServer server)
    {
        var port = server.Port.ToString(CultureInfo.InvariantCulture);
        return server.IsIPv6 ? $"[{server.AddressText}]:{port}" : $"{server.AddressText}:{port}";
    }

    private static bool IsIkePort(ushort port) => port is IkePorts.Ike or IkePorts.NatTraversal;

    /// <summary>Outbound to a configured server's port, or inbound from it (the kernel admits only replies).</summary>
    private bool IsServerTraffic(in FlowKey flow, TrafficDirection direction)
    {
        var (peer, peerPort) = direction == TrafficDirection.Outbound ? (flow.Destination, flow.DestinationPort) : (flow.Source, flow.SourcePort);
        foreach (var server in _servers)
        {
            if (server.Address == peer && server.IsIPv6 == flow.IsIPv6 && server.Port == peerPort)
            {
                return true;
            }
        }

        return false;
    }

    private readonly record struct ServerKey(UInt128 Address, bool IsIPv6, ushort Port);
}
