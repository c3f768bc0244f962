using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Buffers;

namespace Rampart.DataPath.Tests.Ipsec;

/// <summary>What AH covers in the IP header, and the packet shapes the processor refuses rather than mis-protects.</summary>
public class HeaderRulesTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Ah_MutableFieldsChangeInTransit_StillAuthenticates(bool ipv6)
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Ah, CipherAlgorithm.Null, IntegrityAlgorithm.Sha256, ipv6: ipv6);
        using var hosts = new TwoHosts(outbound, inbound);
        var wire = hosts.Send(Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 33));
        if (ipv6)
        {
            wire[7]--; // hop limit
            wire[1] ^= 0x0F; // flow label
        }
        else
        {
            wire[8]--; // TTL
            wire[1] = 0x10; // DSCP
            Packets.FixIpv4Checksum(wire);
        }

        Assert.Equal(PacketStatus.Ok, hosts.Receive(wire).Status);
    }

    [Theory]
    [InlineData(false, 12)]
    [InlineData(true, 8)]
    [InlineData(false, 14)]
    public void Ah_ImmutableHeaderFieldChanged_FailsAuthentication(bool ipv6, int offset)
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Ah, CipherAlgorithm.Null, IntegrityAlgorithm.Sha1, ipv6: ipv6);
        using var hosts = new TwoHosts(outbound, inbound);
        var wire = hosts.Send(Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 33));
        wire[offset] ^= 0x01;
        if (!ipv6)
        {
            Packets.FixIpv4Checksum(wire);
        }

        Assert.Equal(PacketStatus.AuthenticationFailed, hosts.Receive(wire).Status);
        Assert.Equal(1, hosts.Inbound.Counters.NotAuthenticated);
    }

    [Fact]
    public void Protect_Ipv6HopByHopInTransportMode_IsUnsupported()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None, ipv6: true);
        using var hosts = new TwoHosts(outbound, inbound);
        var plain = Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 16);
        plain[6] = 0;
        var buffer = new PacketBuffer();
        buffer.Load(plain);

        Assert.Equal(PacketStatus.Unsupported, hosts.A.Protect(hosts.Outbound, buffer));
    }

    [Fact]
    public void Protect_Ipv4FragmentInTransportMode_IsUnsupported()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None);
        using var hosts = new TwoHosts(outbound, inbound);
        var plain = Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 16);
        plain[6] = 0x20; // more fragments
        Packets.FixIpv4Checksum(plain);
        var buffer = new PacketBuffer();
        buffer.Load(plain);

        Assert.Equal(PacketStatus.Unsupported, hosts.A.Protect(hosts.Outbound, buffer));
    }
}
