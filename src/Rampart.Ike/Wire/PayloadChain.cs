using System.Buffers.Binary;

namespace Rampart.Ike.Wire;

/// <summary>Parses and writes a chain of payloads linked by their generic headers' Next Payload fields.</summary>
public static class PayloadChain
{
    public static int Length(IReadOnlyList<IsakmpPayload> payloads)
    {
        var length = 0;
        foreach (var payload in payloads)
        {
            length += IsakmpPayload.GenericHeaderSize + payload.BodyLength;
        }

        return length;
    }

    /// <summary>Writes the payloads with their generic headers; returns the bytes written.</summary>
    public static int Write(IReadOnlyList<IsakmpPayload> payloads, Span<byte> destination)
    {
        var offset = 0;
        for (var i = 0; i < payloads.Count; i++)
        {
            var payload = payloads[i];
            var total = IsakmpPayload.GenericHeaderSize + payload.BodyLength;
            destination[offset] = (byte)(i + 1 < payloads.Count ? payloads[i + 1].Type : PayloadType.None);
            destination[offset + 1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 2)..], (ushort)total);
            payload.WriteBody(destination.Slice(offset + IsakmpPayload.GenericHeaderSize, payload.BodyLength));
            offset += total;
        }

        return offset;
    }

    /// <summary>
    /// Parses payloads starting with <paramref name="first"/> until Next Payload is NONE. <paramref name="consumed"/>
    /// tells where the chain ended (after it may come encryption padding). <paramref name="only"/> restricts the
    /// types allowed (proposals inside SA, transforms inside proposals).
    /// </summary>
    public static bool TryParse(PayloadType first, ReadOnlySpan<byte> source, List<IsakmpPayload> payloads, out int consumed, out ParseError error, PayloadType only = PayloadType.None)
    {
        consumed = 0;
        var next = first;
        while (next != PayloadType.None)
        {
            if (only != PayloadType.None && next != only)
            {
                error = ParseError.InvalidPayloadType;
                return false;
            }

            var rest = source[consumed..];
            if (rest.Length < IsakmpPayload.GenericHeaderSize)
            {
                error = ParseError.Truncated;
                return false;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(rest[2..]);
            if (length < IsakmpPayload.GenericHeaderSize || length > rest.Length)
            {
                error = ParseError.PayloadMalformed;
                return false;
            }

            if (!TryParseBody(next, rest[IsakmpPayload.GenericHeaderSize..length], out var payload, out error))
            {
                return false;
            }

            payloads.Add(payload!);
            next = (PayloadType)rest[0];
            consumed += length;
        }

        error = ParseError.None;
        return true;
    }

    private static bool TryParseBody(PayloadType type, ReadOnlySpan<byte> body, out IsakmpPayload? payload, out ParseError error)
    {
        error = ParseError.None;
        switch (type)
        {
            case PayloadType.SecurityAssociation:
                return SecurityAssociationPayload.TryParseBody(body, out payload, out error);
            case PayloadType.Proposal:
                return ProposalPayload.TryParseBody(body, out payload, out error);
            case PayloadType.Transform:
                return TransformPayload.TryParseBody(body, out payload, out error);
            case PayloadType.Identification:
                return IdentificationPayload.TryParseBody(body, out payload, out error);
            case PayloadType.Certificate:
                return CertificatePayload.TryParseBody(body, out payload, out error);
            case PayloadType.CertificateRequest:
                return CertificateRequestPayload.TryParseBody(body, out payload, out error);
            case PayloadType.Notification:
                return NotificationPayload.TryParseBody(body, out payload, out error);
            case PayloadType.Delete:
                return DeletePayload.TryParseBody(body, out payload, out error);
            case PayloadType.NatOriginalAddress or PayloadType.NatOriginalAddressDraft:
                return NatOriginalAddressPayload.TryParseBody(body, type, out payload, out error);
            case PayloadType.KeyExchange:
                payload = new KeyExchangePayload(body);
                break;
            case PayloadType.Hash:
                payload = new HashPayload(body);
                break;
            case PayloadType.Signature:
                payload = new SignaturePayload(body);
                break;
            case PayloadType.Nonce:
                payload = new NoncePayload(body);
                break;
            case PayloadType.VendorId:
                payload = new VendorIdPayload(body);
                break;
            case PayloadType.NatDiscovery or PayloadType.NatDiscoveryDraft:
                payload = new NatDiscoveryPayload(body, type);
                break;
            case PayloadType.GssToken:
                payload = new GssTokenPayload(body);
                break;
            default:
                payload = null;
                error = ParseError.InvalidPayloadType;
                return false;
        }

        return true;
    }
}
