namespace Rampart.Ike.V1;

/// <summary>Engine statistics for the monitor, written only by the engine's thread.</summary>
public sealed class IkeV1Counters
{
    /// <summary>Datagrams that failed to parse, decrypt or authenticate (bad hash).</summary>
    public long Malformed { get; internal set; }

    /// <summary>Well-formed datagrams that fit no exchange (unknown cookies, wrong state, not ours).</summary>
    public long Dropped { get; internal set; }

    /// <summary>Retransmitted requests answered by resending the last reply.</summary>
    public long DuplicatesAnswered { get; internal set; }

    /// <summary>Old messages of an exchange seen again after it moved on, and repeated informational message IDs.</summary>
    public long Replays { get; internal set; }

    public long Retransmits { get; internal set; }

    /// <summary>Unproven responder Main Modes (MM2 sent, no MM3) dropped, oldest first, to admit new ones past a bound.</summary>
    public long HalfOpenEvicted { get; internal set; }

    /// <summary>Responder Main Modes not admitted (MM1) or not advanced (MM3) because the states they would need are all proven.</summary>
    public long HalfOpenRefused { get; internal set; }

    public long AuthenticationFailures { get; internal set; }

    /// <summary>
    /// Peer certificates refused: unparseable, oversized, too many, an unsupported or out-of-range key, a key that does
    /// not fit the negotiated method, an ID the certificate does not carry, or the host's validation said invalid.
    /// </summary>
    public long CertificatesRejected { get; internal set; }

    /// <summary>Peer certificate chains handed to the host for validation (<see cref="ValidatePeerCertificate"/>).</summary>
    public long CertificateValidations { get; internal set; }

    /// <summary>GSS steps (Kerberos tokens, protected hashes) handed to the host (<see cref="GssStep"/>).</summary>
    public long GssSteps { get; internal set; }

    /// <summary>Kerberos Main Modes failed by GSS: refused, timed out, or a token out of bounds.</summary>
    public long GssFailures { get; internal set; }

    public long MainModes { get; internal set; }

    public long QuickModes { get; internal set; }

    public long NegotiationFailures { get; internal set; }

    /// <summary>Dead peer detection probes started (each may send several R-U-THEREs).</summary>
    public long DpdProbes { get; internal set; }

    /// <summary>R-U-THERE-ACKs whose sequence number matched the probe in progress.</summary>
    public long DpdAcks { get; internal set; }

    /// <summary>R-U-THERE-ACKs ignored: no probe in progress, or a sequence number we did not send in it.</summary>
    public long DpdStaleAcks { get; internal set; }

    /// <summary>Peers declared dead because no probe was answered.</summary>
    public long DeadPeers { get; internal set; }

    /// <summary>Main Modes started to replace an ISAKMP SA in use before its lifetime ends.</summary>
    public long MainModeRenewals { get; internal set; }

    /// <summary>IKE fragments sent (a message sent in N fragments counts N, each retransmission again).</summary>
    public long FragmentsSent { get; internal set; }

    /// <summary>Well-formed IKE fragments received, duplicates included.</summary>
    public long FragmentsReceived { get; internal set; }

    /// <summary>Messages reassembled from fragments and handed to the exchanges.</summary>
    public long MessagesReassembled { get; internal set; }

    /// <summary>
    /// Reassemblies given up: too many fragments, too many bytes, inconsistent last fragments, timed out, evicted by a
    /// newer one past the bounds, or reassembled into a message with other cookies than its fragments.
    /// </summary>
    public long ReassembliesDropped { get; internal set; }
}
