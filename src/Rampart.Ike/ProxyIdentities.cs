using System.Net;
using Rampart.Ike.Wire;

namespace Rampart.Ike;

/// <summary>One side of the proxy identities as an ID payload carries it: address or subnet, protocol (0 = any), port (0 = any).</summary>
public sealed record ProxyIdentity(IPAddress Network, int PrefixLength, byte Protocol = 0, ushort Port = 0)
{
    public bool IsHost => PrefixLength == (Network.GetAddressBytes().Length * 8);

    public static ProxyIdentity Host(IPAddress address, byte protocol = 0, ushort port = 0) =>
        new(address, address.GetAddressBytes().Length * 8, protocol, port);

    public IdentificationPayload ToPayload() => IsHost
        ? IdentificationPayload.ForAddress(Network, Protocol, Port)
        : IdentificationPayload.ForSubnet(Network, PrefixLength, Protocol, Port);

    /// <summary>Reads an address or subnet ID; false for other ID types or a non-contiguous mask.</summary>
    public static bool TryFromPayload(IdentificationPayload id, out ProxyIdentity? proxy)
    {
        proxy = null;
        switch (id.IdType)
        {
            case IdentificationType.Ipv4Address or IdentificationType.Ipv6Address:
                proxy = Host(new IPAddress(id.Data), id.Protocol, id.Port);
                return true;
            case IdentificationType.Ipv4AddressSubnet or IdentificationType.Ipv6AddressSubnet:
                var half = id.Data.Length / 2;
                var mask = id.Data[half..];
                var prefix = 0;
                while (prefix < mask.Length * 8 && (mask[prefix / 8] & (0x80 >> (prefix % 8))) != 0)
                {
                    prefix++;
                }

                for (var bit = prefix; bit < mask.Length * 8; bit++)
                {
                    if ((mask[bit / 8] & (0x80 >> (bit % 8))) != 0)
                    {
                        return false;
                    }
                }

                proxy = new ProxyIdentity(new IPAddress(id.Data[..half]), prefix, id.Protocol, id.Port);
                return true;
            default:
                return false;
        }
    }

    public bool Equals(ProxyIdentity? other) => other is not null && Network.Equals(other.Network)
        && PrefixLength == other.PrefixLength && Protocol == other.Protocol && Port == other.Port;

    public override int GetHashCode() => HashCode.Combine(Network, PrefixLength, Protocol, Port);
}

/// <summary>
/// Quick Mode's proxy identities (RFC 2409 §5.5, ID_ci and ID_cr) as seen from this host: local side and remote side.
/// Not the data path's <see cref="Rampart.Core.SecurityAssociations.TrafficSelector"/>: these are what the ID payloads
/// carry on the wire (an ID type, a protocol and a single port on each side, host bits a peer may set past the prefix),
/// compared as the peer sent them; the agent converts them to a traffic selector when it installs the SA.
/// </summary>
public sealed record ProxyIdentities(ProxyIdentity Local, ProxyIdentity Remote);
