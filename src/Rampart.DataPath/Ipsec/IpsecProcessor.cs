using System.Buffers.Binary;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Buffers;
using Rampart.DataPath.Database;
using Rampart.DataPath.Packets;
using Rampart.DataPath.Transforms;

namespace Rampart.DataPath.Ipsec;

/// <summary>
/// Applies and removes ESP (RFC 4303) and AH (RFC 4302) in place on whole IP packets, in transport or tunnel
/// mode, IPv4 or IPv6, optionally ESP-in-UDP (RFC 3948). I/O free: the caller reads a packet into a
/// <see cref="PacketBuffer"/>, calls <see cref="Protect"/> or <see cref="Unprotect"/>, and sends the buffer on
/// when the status is <see cref="PacketStatus.Ok"/>. Never throws on packet contents; allocates nothing per packet.
/// Limits (each refused as <see cref="PacketStatus.Unsupported"/>): IPv6 transport mode with hop-by-hop, routing or
/// fragment headers; IP fragments in transport mode and inbound (reassemble first); AH over IPv4 packets with options.
/// Thread safety: any number of threads may call in; work for one SA is serialised on its lock.
/// </summary>
public sealed class IpsecProcessor(SecurityAssociationDatabase database)
{
    private const int EspHeader = 8;
    private const byte NoNextHeader = 59;

    public SecurityAssociationDatabase Database { get; } = database ?? throw new ArgumentNullException(nameof(database));

    /// <summary>Protects the IP packet in <paramref name="packet"/> with the outbound SA <paramref name="sa"/>.</summary>
    public PacketStatus Protect(SecurityAssociation sa, PacketBuffer packet)
    {
        ArgumentNullException.ThrowIfNull(sa);
        ArgumentNullException.ThrowIfNull(packet);
        var now = Database.Time.GetTimestamp();
        if (sa.IsExpiredAt(now))
        {
            return PacketStatus.LifetimeExpired;
        }

        var status = IpHeader.Parse(packet, out var header);
        if (status != PacketStatus.Ok)
        {
            return status;
        }

        var tunnel = sa.Spec.Mode == SaMode.Tunnel;

        // Transport mode protects whole datagrams only (RFC 4303 §3.1.1); extension headers we do not walk.
        if (!tunnel && (header.IsFragment || (header.IsIpv6 && IpConstants.IsIpv6HeaderBeforeIpsec(header.Protocol))))
        {
            return PacketStatus.Unsupported;
        }

        var protectedBytes = tunnel ? packet.Length : packet.Length - header.Length;
        if (!sa.AdmitBytes(sa.Counters.BytesOut, protectedBytes))
        {
            return PacketStatus.LifetimeExpired;
        }

        lock (sa.Gate)
        {
            // Removed (and its keys zeroed) since the caller looked it up.
            if (sa.IsRetired)
            {
                return PacketStatus.LifetimeExpired;
            }

            if (!sa.TryNextSequence(out var sequence))
            {
                Database.RaiseSequenceExhausted(sa);
                return PacketStatus.SequenceExhausted;
            }

            status = sa.Spec.Protocol == SaProtocol.Esp
                ? ProtectEsp(sa, packet, header, sequence)
                : ProtectAh(sa, packet, header, sequence);
        }

        if (status == PacketStatus.Ok)
        {
            sa.Counters.CountOut(protectedBytes, sa.IsConfidential, sa.IsAuthenticated);
            sa.Touch(now);
        }

        return status;
    }

    /// <summary>
    /// Verifies and strips ESP or AH from the received IP packet in <paramref name="packet"/>, leaving the
    /// original (transport) or inner (tunnel) packet in the buffer. <paramref name="sa"/> is the SA that matched.
    /// </summary>
    public PacketStatus Unprotect(PacketBuffer packet, out SecurityAssociation? sa)
    {
        ArgumentNullException.ThrowIfNull(packet);
        sa = null;
        var status = IpHeader.Parse(packet, out var header);
        if (status != PacketStatus.Ok)
        {
            Database.CountMalformed();
            return status;
        }

        if (header.IsFragment)
        {
            return PacketStatus.Unsupported;
        }

        var span = packet.Span;
        var ipsecOffset = header.Length;
        var protocol = header.Protocol;
        var encapsulated = false;
        if (protocol == IpConstants.ProtocolUdp)
        {
            if (span.Length < ipsecOffset + IpConstants.UdpHeader)
            {
                Database.CountMalformed();
                return PacketStatus.Truncated;
            }

            var udpPayload = span[(ipsecOffset + IpConstants.UdpHeader)..];

            // RFC 3948 §2: a 0xFF keepalive or a zero "non-ESP marker" (IKE) is not ESP.
            if ((udpPayload.Length == 1 && udpPayload[0] == 0xFF) || (udpPayload.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(udpPayload) == 0))
            {
                return PacketStatus.NotEsp;
            }

            ipsecOffset += IpConstants.UdpHeader;
            protocol = IpConstants.ProtocolEsp;
            encapsulated = true;
        }

        if (protocol is not (IpConstants.ProtocolEsp or IpConstants.ProtocolAh))
        {
            return PacketStatus.NotEsp;
        }

        var minimum = protocol == IpConstants.ProtocolEsp ? EspHeader : AhHmac.FixedHeaderLength;
        if (span.Length < ipsecOffset + minimum)
        {
            Database.CountMalformed();
            return PacketStatus.Truncated;
        }

        var spi = BinaryPrimitives.ReadUInt32BigEndian(span[(ipsecOffset + (protocol == IpConstants.ProtocolEsp ? 0 : 4))..]);
        if (!Database.TryGetInbound(spi, out var found)
            || (byte)found.Spec.Protocol != protocol
            || encapsulated != (found.Spec.Encapsulation is not null)
            || !DestinationMatches(found, span, header))
        {
            Database.CountBadSpi();
            return PacketStatus.BadSpi;
        }

        sa = found;
        var now = Database.Time.GetTimestamp();
        if (found.IsExpiredAt(now))
        {
            return PacketStatus.LifetimeExpired;
        }

        int protectedBytes;
        lock (found.Gate)
        {
            protectedBytes = 0;
            status = found.IsRetired ? PacketStatus.LifetimeExpired
                : protocol == IpConstants.ProtocolEsp
                    ? UnprotectEsp(found, packet, header, ipsecOffset, out protectedBytes)
                    : UnprotectAh(found, packet, header, out protectedBytes);
        }

        if (status != PacketStatus.Ok)
        {
            found.Counters.CountDrop(status);
            return status;
        }

        found.Counters.CountIn(protectedBytes, found.IsConfidential, found.IsAuthenticated);
        found.Touch(now);
        return PacketStatus.Ok;
    }

    private static PacketStatus ProtectEsp(SecurityAssociation sa, PacketBuffer packet, IpHeader header, ulong sequence)
    {
        var transform = sa.EspTransform!;
        var spec = sa.Spec;
        var tunnel = spec.Mode == SaMode.Tunnel;
        var outerLength = tunnel ? (sa.WireIsIpv6 ? IpConstants.Ipv6Header : IpConstants.Ipv4MinHeader) : header.Length;
        var udpLength = spec.Encapsulation is null ? 0 : IpConstants.UdpHeader;
        var payloadLength = tunnel ? packet.Length : packet.Length - header.Length;
        var nextHeader = tunnel ? (header.IsIpv6 ? IpConstants.ProtocolIpv6InIp : IpConstants.ProtocolIpv4InIp) : header.Protocol;
        var padLength = (transform.PadAlignment - ((payloadLength + 2) % transform.PadAlignment)) % transform.PadAlignment;
        var growFront = (tunnel ? outerLength : 0) + udpLength + EspHeader + transform.IvLength;
        var growBack = padLength + 2 + transform.IcvLength;
        if (packet.Headroom < growFront || packet.Tailroom < growBack)
        {
            return PacketStatus.NoRoom;
        }

        packet.TryPrepend(growFront);
        packet.TryAppend(growBack);
        var span = packet.Span;
        if (tunnel)
        {
            WriteOuterHeader(sa, span, span[growFront..], header.IsIpv6, sequence);
        }
        else
        {
            // Slide the IP header to the new front; only these few bytes move, the payload stays put.
            span.Slice(growFront, header.Length).CopyTo(span);
        }

        var esp = span[(outerLength + udpLength)..];
        var trailer = esp[(EspHeader + transform.IvLength + payloadLength)..];
        for (var i = 0; i < padLength; i++)
        {
            trailer[i] = (byte)(i + 1);
        }

        trailer[padLength] = (byte)padLength;
        trailer[padLength + 1] = nextHeader;
        BinaryPrimitives.WriteUInt32BigEndian(esp, spec.Spi);
        BinaryPrimitives.WriteUInt32BigEndian(esp[4..], (uint)sequence);
        transform.WriteIv(esp.Slice(EspHeader, transform.IvLength), sequence);
        transform.Seal(esp, spec.ExtendedSequenceNumbers, (uint)(sequence >> 32));
        FinishOuter(sa, span, outerLength, udpLength, IpConstants.ProtocolEsp);
        return PacketStatus.Ok;
    }

    private static PacketStatus ProtectAh(SecurityAssociation sa, PacketBuffer packet, IpHeader header, ulong sequence)
    {
        var icv = sa.Ah!;
        var spec = sa.Spec;
        var tunnel = spec.Mode == SaMode.Tunnel;
        var outerIpv6 = tunnel ? sa.WireIsIpv6 : header.IsIpv6;
        if (!tunnel && !header.IsIpv6 && header.Length != IpConstants.Ipv4MinHeader)
        {
            return PacketStatus.Unsupported;
        }

        var outerLength = tunnel ? (outerIpv6 ? IpConstants.Ipv6Header : IpConstants.Ipv4MinHeader) : header.Length;
        var ahLength = icv.HeaderLength(outerIpv6);
        var growFront = (tunnel ? outerLength : 0) + ahLength;
        if (packet.Headroom < growFront)
        {
            return PacketStatus.NoRoom;
        }

        var nextHeader = tunnel ? (header.IsIpv6 ? IpConstants.ProtocolIpv6InIp : IpConstants.ProtocolIpv4InIp) : header.Protocol;
        packet.TryPrepend(growFront);
        var span = packet.Span;
        if (tunnel)
        {
            WriteOuterHeader(sa, span, span[growFront..], header.IsIpv6, sequence);
        }
        else
        {
            span.Slice(growFront, header.Length).CopyTo(span);
        }

        var ah = span.Slice(outerLength, ahLength);
        ah.Clear();
        ah[0] = nextHeader;
        ah[1] = (byte)((ahLength / 4) - 2);
        BinaryPrimitives.WriteUInt32BigEndian(ah[4..], spec.Spi);
        BinaryPrimitives.WriteUInt32BigEndian(ah[8..], (uint)sequence);
        FinishOuter(sa, span, outerLength, 0, IpConstants.ProtocolAh);
        icv.Compute(span, outerLength, outerIpv6, ahLength, spec.ExtendedSequenceNumbers, (uint)(sequence >> 32), ah.Slice(AhHmac.FixedHeaderLength, icv.IcvLength));
        return PacketStatus.Ok;
    }

    private static PacketStatus UnprotectEsp(SecurityAssociation sa, PacketBuffer packet, IpHeader header, int espOffset, out int protectedBytes)
    {
        protectedBytes = 0;
        var transform = sa.EspTransform!;
        var spec = sa.Spec;
        var span = packet.Span;
        var esp = span[espOffset..];
        var textLength = esp.Length - EspHeader - transform.IvLength - transform.IcvLength;
        if (textLength < 2)
        {
            return PacketStatus.Truncated;
        }

        var replay = sa.Replay!;
        if (!replay.Check(BinaryPrimitives.ReadUInt32BigEndian(esp[4..]), out var sequence))
        {
            return PacketStatus.Replay;
        }

        var status = transform.Open(esp, spec.ExtendedSequenceNumbers, (uint)(sequence >> 32));
        if (status != PacketStatus.Ok)
        {
            return status;
        }

        // Only an authenticated packet counts against the byte lifetime: a forged one must not expire the SA.
        if (!sa.AdmitBytes(sa.Counters.BytesIn, textLength))
        {
            return PacketStatus.LifetimeExpired;
        }

        var trailerEnd = esp.Length - transform.IcvLength;
        var padLength = esp[trailerEnd - 2];
        var nextHeader = esp[trailerEnd - 1];
        if (padLength + 2 > textLength || !PaddingIsMonotonic(esp.Slice(trailerEnd - 2 - padLength, padLength)))
        {
            return PacketStatus.DecryptFailed;
        }

        if (nextHeader == NoNextHeader)
        {
            replay.Accept(sequence);
            return PacketStatus.Dummy;
        }

        var payloadStart = espOffset + EspHeader + transform.IvLength;
        var payloadLength = textLength - padLength - 2;
        return Restore(sa, packet, header, replay, sequence, payloadStart, payloadLength, nextHeader, out protectedBytes);
    }

    private static PacketStatus UnprotectAh(SecurityAssociation sa, PacketBuffer packet, IpHeader header, out int protectedBytes)
    {
        protectedBytes = 0;
        var icv = sa.Ah!;
        var spec = sa.Spec;
        var span = packet.Span;
        if (!header.IsIpv6 && header.Length != IpConstants.Ipv4MinHeader)
        {
            return PacketStatus.Unsupported;
        }

        var ah = span[header.Length..];
        var ahLength = (ah[1] + 2) * 4;
        if (ahLength != icv.HeaderLength(header.IsIpv6))
        {
            return PacketStatus.Malformed;
        }

        if (ah.Length < ahLength)
        {
            return PacketStatus.Truncated;
        }

        var replay = sa.Replay!;
        if (!replay.Check(BinaryPrimitives.ReadUInt32BigEndian(ah[8..]), out var sequence))
        {
            return PacketStatus.Replay;
        }

        var payloadLength = ah.Length - ahLength;
        Span<byte> received = stackalloc byte[icv.IcvLength];
        ah.Slice(AhHmac.FixedHeaderLength, icv.IcvLength).CopyTo(received);
        Span<byte> computed = stackalloc byte[icv.IcvLength];
        icv.Compute(span, header.Length, header.IsIpv6, ahLength, spec.ExtendedSequenceNumbers, (uint)(sequence >> 32), computed);
        if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(received, computed))
        {
            return PacketStatus.AuthenticationFailed;
        }

        // Only an authenticated packet counts against the byte lifetime: a forged one must not expire the SA.
        if (!sa.AdmitBytes(sa.Counters.BytesIn, payloadLength))
        {
            return PacketStatus.LifetimeExpired;
        }

        return Restore(sa, packet, header, replay, sequence, header.Length + ahLength, payloadLength, ah[0], out protectedBytes);
    }

    /// <summary>Accepts the sequence number and leaves the decapsulated packet in the buffer.</summary>
    private static PacketStatus Restore(
        SecurityAssociation sa, PacketBuffer packet, IpHeader header, Replay.ReplayWindow replay, ulong sequence,
        int payloadStart, int payloadLength, byte nextHeader, out int protectedBytes)
    {
        protectedBytes = payloadLength;
        var span = packet.Span;
        var tailTrim = span.Length - payloadStart - payloadLength;
        if (sa.Spec.Mode == SaMode.Tunnel)
        {
            var inner = span.Slice(payloadStart, payloadLength);
            var innerVersion = inner.Length > 0 ? inner[0] >> 4 : 0;
            if (!((nextHeader == IpConstants.ProtocolIpv4InIp && innerVersion == 4 && inner.Length >= IpConstants.Ipv4MinHeader)
                || (nextHeader == IpConstants.ProtocolIpv6InIp && innerVersion == 6 && inner.Length >= IpConstants.Ipv6Header)))
            {
                return PacketStatus.Malformed;
            }

            replay.Accept(sequence);
            packet.Trim(payloadStart, tailTrim);
            return PacketStatus.Ok;
        }

        replay.Accept(sequence);
        var shift = payloadStart - header.Length;
        span[..header.Length].CopyTo(span[shift..]);
        packet.Trim(shift, tailTrim);
        var restored = packet.Span;
        if (header.IsIpv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(restored[4..], (ushort)(restored.Length - IpConstants.Ipv6Header));
            restored[6] = nextHeader;
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(restored[2..], (ushort)restored.Length);
            restored[9] = nextHeader;
            InternetChecksum.SetIpv4HeaderChecksum(restored[..header.Length]);
        }

        return PacketStatus.Ok;
    }

    /// <summary>Writes the tunnel-mode outer header from the SA's endpoints, copying DSCP/ECN from the inner packet (RFC 4301 §5.1.2).</summary>
    private static void WriteOuterHeader(SecurityAssociation sa, Span<byte> outer, ReadOnlySpan<byte> inner, bool innerIpv6, ulong sequence)
    {
        var trafficClass = innerIpv6 ? (byte)((inner[0] << 4) | (inner[1] >> 4)) : inner[1];
        if (sa.WireIsIpv6)
        {
            outer[..IpConstants.Ipv6Header].Clear();
            outer[0] = (byte)(0x60 | (trafficClass >> 4));
            outer[1] = (byte)(trafficClass << 4);
            outer[7] = IpConstants.DefaultTtl;
            sa.WireLocal.CopyTo(outer[8..]);
            sa.WireRemote.CopyTo(outer[24..]);
        }
        else
        {
            outer[..IpConstants.Ipv4MinHeader].Clear();
            outer[0] = 0x45;
            outer[1] = trafficClass;

            // DF stays clear so an oversized ESP packet is fragmented; distinct IDs keep reassembly apart.
            BinaryPrimitives.WriteUInt16BigEndian(outer[4..], (ushort)sequence);
            outer[8] = IpConstants.DefaultTtl;
            sa.WireLocal.CopyTo(outer[12..]);
            sa.WireRemote.CopyTo(outer[16..]);
        }
    }

    /// <summary>Sets lengths, protocol, checksum and the optional UDP header of the (new or reused) outer header.</summary>
    private static void FinishOuter(SecurityAssociation sa, Span<byte> span, int ipLength, int udpLength, byte ipsecProtocol)
    {
        var ipv6 = (span[0] >> 4) == 6;
        var protocol = udpLength > 0 ? IpConstants.ProtocolUdp : ipsecProtocol;
        if (ipv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span[4..], (ushort)(span.Length - IpConstants.Ipv6Header));
            span[6] = protocol;
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)span.Length);
            span[9] = protocol;
            InternetChecksum.SetIpv4HeaderChecksum(span[..ipLength]);
        }

        if (udpLength == 0)
        {
            return;
        }

        var udp = span[ipLength..];
        var encapsulation = sa.Spec.Encapsulation!;
        BinaryPrimitives.WriteUInt16BigEndian(udp, encapsulation.LocalPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], encapsulation.RemotePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udp.Length);
        udp[6] = 0;
        udp[7] = 0;
        if (ipv6)
        {
            // IPv6 forbids a zero UDP checksum here (RFC 8200 §8.1), so compute it over the pseudo-header.
            var sum = InternetChecksum.Add(0, span.Slice(8, 32));
            sum += (uint)udp.Length + IpConstants.ProtocolUdp;
            sum = InternetChecksum.Add(sum, udp);
            var checksum = InternetChecksum.Finish(sum);
            BinaryPrimitives.WriteUInt16BigEndian(udp[6..], checksum == 0 ? (ushort)0xFFFF : checksum);
        }
    }

    private static bool PaddingIsMonotonic(ReadOnlySpan<byte> padding)
    {
        for (var i = 0; i < padding.Length; i++)
        {
            if (padding[i] != (byte)(i + 1))
            {
                return false;
            }
        }

        return true;
    }

    private static bool DestinationMatches(SecurityAssociation sa, ReadOnlySpan<byte> packet, IpHeader header)
    {
        var destination = header.IsIpv6 ? packet.Slice(24, 16) : packet.Slice(16, 4);
        return destination.SequenceEqual(sa.WireLocal);
    }
}
