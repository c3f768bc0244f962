using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath;
using Rampart.DataPath.Buffers;
using Rampart.DataPath.Database;
using Rampart.DataPath.Ipsec;
using Rampart.DataPath.Packets;

namespace Rampart.Fuzz.Targets;

/// <summary>
/// ESP and AH unprotect (the data path's <see cref="IpsecProcessor"/>) with inbound SAs of several algorithms and
/// modes, fixed keys and SPIs so that seeds stay valid. It must never throw: a bad packet is dropped with a status.
/// Input: [mode and SA][packet]. Mode 0: the packet is a received wire packet. Mode 1: the packet is protected with
/// the chosen SA's outbound twin, then unprotected (reaches the code after authentication). Mode 2: the packet is
/// an IPv4 ESP packet for the NULL-cipher SA whose ICV the harness computes, so any ESP trailer gets authenticated.
/// </summary>
internal sealed class EspTarget : IFuzzTarget
{
    private static readonly IPAddress A4 = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress B4 = IPAddress.Parse("192.0.2.2");
    private static readonly IPAddress A6 = IPAddress.Parse("2001:db8::1");
    private static readonly IPAddress B6 = IPAddress.Parse("2001:db8::2");
    private static readonly IPAddress GatewayA4 = IPAddress.Parse("198.51.100.1");
    private static readonly IPAddress GatewayB4 = IPAddress.Parse("198.51.100.2");

    /// <summary>
    /// The outbound side of each SA (host A); the inbound twin is the same with the ends swapped. Made afresh on every
    /// read: an SA owns its keys and zeroes them when its database is disposed.
    /// </summary>
    private static SecurityAssociationSpec[] Outbound =>
    [
        Spec(0, SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None, A4, B4),
        Spec(1, SaProtocol.Esp, CipherAlgorithm.ChaCha20Poly1305, IntegrityAlgorithm.None, A4, B4) with { Encapsulation = new UdpEncapsulation(), ExtendedSequenceNumbers = true },
        Spec(2, SaProtocol.Esp, CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, A4, B4) with { Mode = SaMode.Tunnel, TunnelLocal = GatewayA4, TunnelRemote = GatewayB4 },
        Spec(3, SaProtocol.Esp, CipherAlgorithm.Null, IntegrityAlgorithm.Sha256, A4, B4),
        Spec(4, SaProtocol.Ah, CipherAlgorithm.Null, IntegrityAlgorithm.Sha256, A4, B4),
        Spec(5, SaProtocol.Esp, CipherAlgorithm.AesGcm256, IntegrityAlgorithm.None, A6, B6),
        Spec(6, SaProtocol.Ah, CipherAlgorithm.Null, IntegrityAlgorithm.Sha512, A6, B6) with { Mode = SaMode.Tunnel, TunnelLocal = GatewayA4, TunnelRemote = GatewayB4 },
        Spec(7, SaProtocol.Esp, CipherAlgorithm.TripleDes, IntegrityAlgorithm.Sha1, A6, B6) with { Mode = SaMode.Tunnel, TunnelLocal = A6, TunnelRemote = B6, ExtendedSequenceNumbers = true },
    ];

    private const int NullEspSa = 3;
    private const byte ProtocolEsp = 50;
    private const byte ProtocolUdp = 17;

    private readonly PacketBuffer _buffer = new();

    public string Name => "esp";

    /// <summary>The status of the last unprotect (for the harness's own tests); null when none ran.</summary>
    internal PacketStatus? LastStatus { get; private set; }

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 1)
        {
            return;
        }

        var mode = input[0] % 3;
        var index = input[0] / 3 % Outbound.Length;
        var packet = input[1..];
        if (packet.Length > 2048)
        {
            return;
        }

        using var database = new SecurityAssociationDatabase(TimeProvider.System);
        foreach (var spec in Outbound)
        {
            database.TryAddInbound(Inbound(spec), out _);
        }

        var processor = new IpsecProcessor(database);
        LastStatus = null;
        _buffer.Load(packet);
        switch (mode)
        {
            case 0:
                LastStatus = processor.Unprotect(_buffer, out _);
                break;
            case 1:
                using (var sending = new SecurityAssociationDatabase(TimeProvider.System))
                {
                    var sa = sending.AddOutbound(new Binding(index, 0, 1, 2, false), Outbound[index], out _);
                    if (new IpsecProcessor(sending).Protect(sa, _buffer) == PacketStatus.Ok)
                    {
                        LastStatus = processor.Unprotect(_buffer, out _);
                    }
                }

                break;
            default:
                if (AuthenticateNullEsp(_buffer.Span))
                {
                    LastStatus = processor.Unprotect(_buffer, out _);
                }

                break;
        }
    }

    public IEnumerable<(string Name, byte[] Input)> Seeds()
    {
        for (var i = 0; i < Outbound.Length; i++)
        {
            var inner = Outbound[i].LocalAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? Udp6(Outbound[i].LocalAddress, Outbound[i].RemoteAddress, 24)
                : Udp4(Outbound[i].LocalAddress, Outbound[i].RemoteAddress, 24);
            yield return ($"protect-{i}", [(byte)(1 + (3 * i)), .. inner]);

            using var sending = new SecurityAssociationDatabase(TimeProvider.System);
            var sa = sending.AddOutbound(new Binding(i, 0, 1, 2, false), Outbound[i], out _);
            var buffer = new PacketBuffer();
            buffer.Load(inner);
            if (new IpsecProcessor(sending).Protect(sa, buffer) == PacketStatus.Ok)
            {
                yield return ($"wire-{i}", [(byte)(3 * i), .. buffer.Span]);
                if (i == NullEspSa)
                {
                    yield return ($"null-esp-{i}", [(byte)(2 + (3 * i)), .. buffer.Span]);
                }
            }
        }
    }

    /// <summary>Makes an IPv4 packet ESP for the NULL-cipher SA: protocol, lengths, checksum, SPI and a correct ICV.</summary>
    private static bool AuthenticateNullEsp(Span<byte> packet)
    {
        var spec = Outbound[NullEspSa];
        var icv = AlgorithmCatalog.IcvLength(spec.Integrity);
        if (packet.Length < 20 || packet[0] >> 4 != 4)
        {
            return false;
        }

        var headerLength = (packet[0] & 0x0F) * 4;
        if (headerLength < 20 || packet.Length < headerLength + 8 + icv)
        {
            return false;
        }

        packet[9] = ProtocolEsp;
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)packet.Length);
        InternetChecksum.SetIpv4HeaderChecksum(packet[..headerLength]);
        BinaryPrimitives.WriteUInt32BigEndian(packet[headerLength..], spec.Spi);
        var authenticated = packet[headerLength..^icv];
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(spec.IntegrityKey.Span, authenticated, mac);
        mac[..icv].CopyTo(packet[^icv..]);
        return true;
    }

    private static SecurityAssociationSpec Spec(int index, SaProtocol protocol, CipherAlgorithm cipher, IntegrityAlgorithm integrity, IPAddress local, IPAddress remote) => new()
    {
        Spi = 0x1000u + (uint)index,
        Protocol = protocol,
        Direction = SaDirection.Outbound,
        LocalAddress = local,
        RemoteAddress = remote,
        Cipher = cipher,
        CipherKey = new KeyMaterial(Counting(AlgorithmCatalog.KeyMaterialLength(cipher), (byte)(0x10 * index))),
        Integrity = integrity,
        IntegrityKey = new KeyMaterial(Counting(AlgorithmCatalog.HmacKeyLength(integrity), (byte)(0x80 + index))),
    };

    private static SecurityAssociationSpec Inbound(SecurityAssociationSpec outbound) => outbound with
    {
        Direction = SaDirection.Inbound,
        LocalAddress = outbound.RemoteAddress,
        RemoteAddress = outbound.LocalAddress,
        TunnelLocal = outbound.TunnelRemote,
        TunnelRemote = outbound.TunnelLocal,
    };

    /// <summary>first, first + 1, ...: fixed keys (seeds stay valid) that are not DES weak keys.</summary>
    private static byte[] Counting(int length, byte first)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(first + i);
        }

        return bytes;
    }

    private static byte[] Udp4(IPAddress source, IPAddress destination, int payload)
    {
        var packet = new byte[20 + 8 + payload];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = ProtocolUdp;
        source.TryWriteBytes(packet.AsSpan(12), out _);
        destination.TryWriteBytes(packet.AsSpan(16), out _);
        InternetChecksum.SetIpv4HeaderChecksum(packet.AsSpan(0, 20));
        WriteUdp(packet.AsSpan(20), payload);
        return packet;
    }

    private static byte[] Udp6(IPAddress source, IPAddress destination, int payload)
    {
        var packet = new byte[40 + 8 + payload];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(8 + payload));
        packet[6] = ProtocolUdp;
        packet[7] = 64;
        source.TryWriteBytes(packet.AsSpan(8), out _);
        destination.TryWriteBytes(packet.AsSpan(24), out _);
        WriteUdp(packet.AsSpan(40), payload);
        return packet;
    }

    private static void WriteUdp(Span<byte> udp, int payload)
    {
        BinaryPrimitives.WriteUInt16BigEndian(udp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 9);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payload));
        udp[8..].Fill(0x5A);
    }
}
