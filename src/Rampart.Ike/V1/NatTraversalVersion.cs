namespace Rampart.Ike.V1;

/// <summary>Which NAT-T dialect both peers support: decides the NAT-D payload number and UDP encapsulation mode values.</summary>
internal enum NatTraversalVersion
{
    None,
    Draft,
    Rfc3947,
}
