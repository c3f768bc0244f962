using System.Net;

namespace Rampart.Ike.Wire;

/// <summary>NAT-OA payload (RFC 3947 §5.2): ID type (IPv4/IPv6 address), 3 reserved bytes, the address.</summary>
public sealed class NatOriginalAddressPayload(IPAddress address, PayloadType type = PayloadType.NatOriginalAddress) : IsakmpPayload
{
    public IPAddress Address { get; } = address;

    public override PayloadType Type { get; } = type;

    private byte[] AddressBytes => Address.GetAddressBytes();

    public override int BodyLength => 4 + AddressBytes.Length;

    public override void WriteBody(Span<byte> destination)
    {
        var bytes = AddressBytes;
        destination[0] = (byte)(bytes.Length == 4 ? IdentificationType.Ipv4Address : IdentificationType.Ipv6Address);
        destination[1..4].Clear();
        bytes.CopyTo(destination[4..]);
    }

    internal static bool TryParseBody(ReadOnlySpan<byte> body, PayloadType type, out IsakmpPayload? payload, out ParseError error)
    {
        payload = null;
        error = ParseError.PayloadMalformed;
        if (body.Length < 4)
        {
            return false;
        }

        var valid = ((IdentificationType)body[0] == IdentificationType.Ipv4Address && body.Length == 8)
            || ((IdentificationType)body[0] == IdentificationType.Ipv6Address && body.Length == 20);
        if (!valid)
        {
            return false;
        }

        payload = new NatOriginalAddressPayload(new IPAddress(body[4..]), type);
        error = ParseError.None;
        return true;
    }
}
