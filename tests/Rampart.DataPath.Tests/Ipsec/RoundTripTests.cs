using System.Buffers.Binary;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;

namespace Rampart.DataPath.Tests.Ipsec;

/// <summary>Host A protects, host B unprotects: every transform x mode x address family x encapsulation.</summary>
public class RoundTripTests
{
    private static readonly (SaProtocol Protocol, CipherAlgorithm Cipher, IntegrityAlgorithm Integrity)[] Transforms =
    [
        (SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None),
        (SaProtocol.Esp, CipherAlgorithm.AesGcm256, IntegrityAlgorithm.None),
        (SaProtocol.Esp, CipherAlgorithm.ChaCha20Poly1305, IntegrityAlgorithm.None),
        (SaProtocol.Esp, CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256),
        (SaProtocol.Esp, CipherAlgorithm.AesCbc256, IntegrityAlgorithm.Sha1),
        (SaProtocol.Esp, CipherAlgorithm.TripleDes, IntegrityAlgorithm.Sha1),
        (SaProtocol.Esp, CipherAlgorithm.Des, IntegrityAlgorithm.Md5),
        (SaProtocol.Esp, CipherAlgorithm.Null, IntegrityAlgorithm.Sha256),
        (SaProtocol.Ah, CipherAlgorithm.Null, IntegrityAlgorithm.Sha1),
        (SaProtocol.Ah, CipherAlgorithm.Null, IntegrityAlgorithm.Sha256),
    ];

    public static TheoryData<SaProtocol, CipherAlgorithm, IntegrityAlgorithm, SaMode, bool, bool, bool> Matrix()
    {
        var data = new TheoryData<SaProtocol, CipherAlgorithm, IntegrityAlgorithm, SaMode, bool, bool, bool>();
        foreach (var (protocol, cipher, integrity) in Transforms)
        {
            foreach (var mode in new[] { SaMode.Transport, SaMode.Tunnel })
            {
                foreach (var ipv6 in new[] { false, true })
                {
                    // Tunnel mode also crosses families: IPv4 inside IPv6 and IPv6 inside IPv4.
                    foreach (var outerIpv6 in mode == SaMode.Tunnel ? new[] { false, true } : new[] { ipv6 })
                    {
                        foreach (var udp in protocol == SaProtocol.Esp ? new[] { false, true } : new[] { false })
                        {
                            data.Add(protocol, cipher, integrity, mode, ipv6, outerIpv6, udp);
                        }
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void ProtectThenUnprotect_RestoresPacketAndCounts(
        SaProtocol protocol, CipherAlgorithm cipher, IntegrityAlgorithm integrity, SaMode mode, bool ipv6, bool outerIpv6, bool udp)
    {
        var (outbound, inbound) = TestSas.Pair(protocol, cipher, integrity, mode, ipv6, outerIpv6, udp);
        using var hosts = new TwoHosts(outbound, inbound);

        foreach (var size in new[] { 0, 1, 13, 100, 1400 })
        {
            var plain = Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, size);
            var wire = hosts.Send(plain);
            AssertWireShape(wire, outbound, protocol, udp);
            if (cipher != CipherAlgorithm.Null && size >= 100)
            {
                Assert.True(wire.AsSpan().IndexOf(plain.AsSpan(plain.Length - 16)) < 0, "payload visible on the wire");
            }

            var (status, received) = hosts.Receive(wire);

            Assert.Equal(PacketStatus.Ok, status);
            Assert.Equal(Convert.ToHexString(plain), Convert.ToHexString(received));
        }

        Assert.Equal(5, hosts.Outbound.Counters.PacketsOut);
        Assert.Equal(5, hosts.Inbound.Counters.PacketsIn);
        Assert.Equal(hosts.Outbound.Counters.BytesOut, hosts.Inbound.Counters.BytesIn);
        Assert.Equal(cipher != CipherAlgorithm.Null ? hosts.Inbound.Counters.BytesIn : 0, hosts.Inbound.Counters.ConfidentialBytesIn);
        Assert.Equal(hosts.Inbound.Counters.BytesIn, hosts.Inbound.Counters.AuthenticatedBytesIn);
    }

    private static void AssertWireShape(byte[] wire, SecurityAssociationSpec spec, SaProtocol protocol, bool udp)
    {
        var outer = spec.WireLocal;
        var isIpv6 = outer.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        Assert.Equal(isIpv6 ? 6 : 4, wire[0] >> 4);
        var protocolField = isIpv6 ? wire[6] : wire[9];
        Assert.Equal(udp ? 17 : (int)protocol, protocolField);
        var headerLength = isIpv6 ? 40 : 20;
        Assert.Equal(outer.GetAddressBytes(), wire.AsSpan(isIpv6 ? 8 : 12, isIpv6 ? 16 : 4).ToArray());
        if (isIpv6)
        {
            Assert.Equal(wire.Length - 40, BinaryPrimitives.ReadUInt16BigEndian(wire.AsSpan(4)));
        }
        else
        {
            Assert.Equal(wire.Length, BinaryPrimitives.ReadUInt16BigEndian(wire.AsSpan(2)));
            Assert.Equal(0, Packets.HeaderChecksumResidue(wire.AsSpan(0, 20)));
        }

        if (udp)
        {
            Assert.Equal(4500, BinaryPrimitives.ReadUInt16BigEndian(wire.AsSpan(headerLength)));
            Assert.Equal(4500, BinaryPrimitives.ReadUInt16BigEndian(wire.AsSpan(headerLength + 2)));
            Assert.Equal(wire.Length - headerLength, BinaryPrimitives.ReadUInt16BigEndian(wire.AsSpan(headerLength + 4)));
            headerLength += 8;
        }

        var spiOffset = headerLength + (protocol == SaProtocol.Ah ? 4 : 0);
        Assert.Equal(spec.Spi, BinaryPrimitives.ReadUInt32BigEndian(wire.AsSpan(spiOffset)));
    }
}
