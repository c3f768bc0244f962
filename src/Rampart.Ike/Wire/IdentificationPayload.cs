using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Rampart.Ike.Wire;

/// <summary>Identification payload with the IPsec DOI layout (RFC 2407 §4.6.2): type, protocol, port, data.</summary>
public sealed class IdentificationPayload(IdentificationType idType, byte protocol, ushort port, ReadOnlySpan<byte> data) : IsakmpPayload
{
    private readonly byte[] _data = data.ToArray();

    public IdentificationType IdType { get; } = idType;

    /// <summary>IP protocol number, 0 for any.</summary>
    public byte Protocol { get; } = protocol;

    /// <summary>Port, 0 for any.</summary>
    public ushort Port { get; } = port;

    public ReadOnlySpan<byte> Data => _data;

    public override PayloadType Type => PayloadType.Identification;

    public override int BodyLength => 4 + _data.Length;

    public static IdentificationPayload ForAddress(IPAddress address, byte protocol = 0, ushort port = 0) =>
        new(address.AddressFamily == AddressFamily.InterNetwork ? IdentificationType.Ipv4Address : IdentificationType.Ipv6Address,
            protocol, port, address.GetAddressBytes());

    public static IdentificationPayload ForSubnet(IPAddress network, int prefixLength, byte protocol = 0, ushort port = 0)
    {
        var bytes = network.GetAddressBytes();
        var data = new byte[bytes.Length * 2];
        bytes.CopyTo(data, 0);
        for (var bit = 0; bit < prefixLength; bit++)
        {
            data[bytes.Length + (bit / 8)] |= (byte)(0x80 >> (bit % 8));
        }

        return new(bytes.Length == 4 ? IdentificationType.Ipv4AddressSubnet : IdentificationType.Ipv6AddressSubnet, protocol, port, data);
    }

    public override void WriteBody(Span<byte> destination)
    {
        destination[0] = (byte)IdType;
        destination[1] = Protocol;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Port);
        _data.CopyTo(destination[4..]);
    }

    internal static bool TryParseBody(ReadOnlySpan<byte> body, out IsakmpPayload? payload, out ParseError error)
    {
        payload = null;
        error = ParseError.PayloadMalformed;
        if (body.Length < 4)
        {
            return false;
        }

        var idType = (IdentificationType)body[0];
        var data = body[4..];
        var expected = idType switch
        {
            IdentificationType.Ipv4Address => 4,
            IdentificationType.Ipv6Address => 16,
            IdentificationType.Ipv4AddressSubnet or IdentificationType.Ipv4AddressRange => 8,
            IdentificationType.Ipv6AddressSubnet or IdentificationType.Ipv6AddressRange => 32,
            _ => -1,
        };
        if ((expected >= 0 && data.Length != expected) || (expected < 0 && data.IsEmpty))
        {
            return false;
        }

        payload = new IdentificationPayload(idType, body[1], BinaryPrimitives.ReadUInt16BigEndian(body[2..]), data);
        error = ParseError.None;
        return true;
    }
}
