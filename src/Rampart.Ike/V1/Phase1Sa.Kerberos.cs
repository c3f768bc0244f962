using System.Net;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

/// <summary>What comes after the host's answer to the GSS step a Kerberos Main Mode waits for.</summary>
internal enum GssNextStep
{
    None,

    /// <summary>Initiator: our first token came, send MM3 (KE, Ni, GSS).</summary>
    SendMm3,

    /// <summary>Responder: the initiator's token accepted, send MM4 (KE, Nr, GSS).</summary>
    SendMm4,

    /// <summary>Initiator: the responder's token accepted and HASH_I protected, send MM5.</summary>
    SendMm5,

    /// <summary>Responder: HASH_I verified and HASH_R protected, send MM6.</summary>
    SendMm6,

    /// <summary>Initiator: HASH_R verified, established.</summary>
    Establish,
}

/// <summary>The Kerberos (GSS-API) part of an ISAKMP SA's Main Mode.</summary>
internal sealed partial class Phase1Sa
{
    /// <summary>The Kerberos method of the peer configuration when method 65001 was chosen.</summary>
    public IkeKerberosAuthentication? Kerberos { get; set; }

    /// <summary>The host's GSS context of this SA (the first request's id); 0 before any.</summary>
    public long GssContextId { get; set; }

    /// <summary>The <see cref="GssStep"/> this SA waits for; 0 when none.</summary>
    public long GssRequestId { get; set; }

    public GssNextStep GssNext { get; set; }

    /// <summary>GSSi_b and GSSr_b: every token each side sent, concatenated in order, hashed into HASH_I/HASH_R.</summary>
    public byte[] GssTokensI { get; set; } = [];

    public byte[] GssTokensR { get; set; } = [];

    /// <summary>The ID payload we send in MM5/MM6, built before its hash is protected.</summary>
    public IdentificationPayload? GssOwnId { get; set; }

    /// <summary>The Main Mode IV after the peer's MM5/MM6, taken once its protected hash is verified.</summary>
    public byte[] GssNextIv { get; set; } = [];

    /// <summary>Responder: where the peer's MM5 came from (NAT-T may move it to port 4500), taken once it verifies.</summary>
    public IPEndPoint? GssPeerEndpoint { get; set; }

    public IPEndPoint? GssLocalEndpoint { get; set; }
}
