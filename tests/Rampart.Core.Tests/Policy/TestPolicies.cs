using System.Net;
using Rampart.Core.Policy;

namespace Rampart.Core.Tests.Policy;

/// <summary>The walkthrough's custom Partner policy on top of the built-ins, built with the editor as the CLI does.</summary>
internal static class TestPolicies
{
    public static PolicySnapshot Partner()
    {
        var snapshot = BuiltInPolicies.Snapshot;
        snapshot = Apply(PolicyEditor.CreatePolicy(snapshot, "Partner", "", defaultResponseRule: false));
        snapshot = Apply(PolicyEditor.CreateFilterList(snapshot, "Partner Filter", ""));
        snapshot = Apply(PolicyEditor.AddFilter(snapshot, "Partner Filter", new Filter(AddressSpec.Me, new AddressSpec.Host(IPAddress.Parse("192.0.2.2")))));
        snapshot = Apply(PolicyEditor.CreateFilterAction(snapshot, new FilterAction("Partner Filter Action", "", FilterActionKind.Negotiate, SecurityMethod.Medium)));
        return Apply(PolicyEditor.AddRule(snapshot, "Partner", "Partner Filter", "Partner Filter Action",
            [new AuthenticationMethod.PreSharedKey("ABC123")], tunnelEndpoint: null));
    }

    public static PolicySnapshot Apply(PolicyEdit edit)
    {
        Assert.True(edit.Succeeded, string.Join("; ", edit.Errors));
        return edit.Snapshot!;
    }
}
