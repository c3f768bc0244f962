using System.Buffers.Binary;

namespace Rampart.Ike.Wire;

/// <summary>SA payload (RFC 2408 §3.4) for the IPsec DOI (RFC 2407 §4.6.1), situation SIT_IDENTITY_ONLY.</summary>
public sealed class SecurityAssociationPayload(IReadOnlyList<ProposalPayload> proposals, uint situation = SecurityAssociationPayload.SituationIdentityOnly) : IsakmpPayload
{
    public const uint DoiIpsec = 1;
    public const uint SituationIdentityOnly = 1;

    public uint Situation { get; } = situation;

    public IReadOnlyList<ProposalPayload> Proposals { get; } = proposals;

    public override PayloadType Type => PayloadType.SecurityAssociation;

    public override int BodyLength => 8 + PayloadChain.Length(Proposals);

    public override void WriteBody(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, DoiIpsec);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Situation);
        PayloadChain.Write(Proposals, destination[8..]);
    }

    internal static bool TryParseBody(ReadOnlySpan<byte> body, out IsakmpPayload? payload, out ParseError error)
    {
        payload = null;
        if (body.Length < 8)
        {
            error = ParseError.PayloadMalformed;
            return false;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(body) != DoiIpsec)
        {
            error = ParseError.DoiNotSupported;
            return false;
        }

        var situation = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
        if (situation != SituationIdentityOnly)
        {
            error = ParseError.SituationNotSupported;
            return false;
        }

        var proposals = new List<IsakmpPayload>();
        if (!PayloadChain.TryParse(PayloadType.Proposal, body[8..], proposals, out var consumed, out error, PayloadType.Proposal)
            || consumed != body.Length - 8 || proposals.Count == 0)
        {
            error = ParseError.PayloadMalformed;
            return false;
        }

        payload = new SecurityAssociationPayload(proposals.Cast<ProposalPayload>().ToArray(), situation);
        return true;
    }
}
