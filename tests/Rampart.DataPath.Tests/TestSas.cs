using System.Net;
using System.Security.Cryptography;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;

namespace Rampart.DataPath.Tests;

/// <summary>Builds matching outbound (host A) and inbound (host B) SA specifications with random keys.</summary>
internal static class TestSas
{
    public static readonly IPAddress HostA4 = IPAddress.Parse("192.0.2.1");
    public static readonly IPAddress HostB4 = IPAddress.Parse("192.0.2.2");
    public static readonly IPAddress HostA6 = IPAddress.Parse("2001:db8::1");
    public static readonly IPAddress HostB6 = IPAddress.Parse("2001:db8::2");
    public static readonly IPAddress GatewayA4 = IPAddress.Parse("198.51.100.1");
    public static readonly IPAddress GatewayB4 = IPAddress.Parse("198.51.100.2");
    public static readonly IPAddress GatewayA6 = IPAddress.Parse("2001:db8:1::1");
    public static readonly IPAddress GatewayB6 = IPAddress.Parse("2001:db8:1::2");

    public static (SecurityAssociationSpec Outbound, SecurityAssociationSpec Inbound) Pair(
        SaProtocol protocol, CipherAlgorithm cipher, IntegrityAlgorithm integrity, SaMode mode = SaMode.Transport,
        bool ipv6 = false, bool outerIpv6 = false, bool udp = false, bool esn = false, int window = 64, SaLifetime? lifetime = null)
    {
        var cipherKey = RandomNumberGenerator.GetBytes(AlgorithmCatalog.KeyMaterialLength(cipher));
        var integrityKey = RandomNumberGenerator.GetBytes(AlgorithmCatalog.HmacKeyLength(integrity));
        var tunnel = mode == SaMode.Tunnel;
        var outbound = new SecurityAssociationSpec
        {
            Spi = 0x1000_0001,
            Protocol = protocol,
            Mode = mode,
            Direction = SaDirection.Outbound,
            LocalAddress = ipv6 ? HostA6 : HostA4,
            RemoteAddress = ipv6 ? HostB6 : HostB4,
            TunnelLocal = tunnel ? (outerIpv6 ? GatewayA6 : GatewayA4) : null,
            TunnelRemote = tunnel ? (outerIpv6 ? GatewayB6 : GatewayB4) : null,
            Encapsulation = udp ? new UdpEncapsulation() : null,
            Cipher = cipher,
            CipherKey = new KeyMaterial(cipherKey),
            Integrity = integrity,
            IntegrityKey = new KeyMaterial(integrityKey),
            ExtendedSequenceNumbers = esn,
            ReplayWindow = window,
            Lifetime = lifetime ?? SaLifetime.Default,
        };
        // Each SA owns (and zeroes when it ends) its key bytes, so the two specs hold separate copies.
        var inbound = outbound with
        {
            CipherKey = new KeyMaterial(cipherKey),
            IntegrityKey = new KeyMaterial(integrityKey),
            Direction = SaDirection.Inbound,
            LocalAddress = outbound.RemoteAddress,
            RemoteAddress = outbound.LocalAddress,
            TunnelLocal = outbound.TunnelRemote,
            TunnelRemote = outbound.TunnelLocal,
        };
        return (outbound, inbound);
    }
}
