using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Rampart.Agent.Control;
using Rampart.Core.Policy;
using Rampart.Store;

namespace Rampart.Agent.Policy;

/// <summary>
/// Answers <c>policy.view</c>: every policy, filter list and filter action with the pre-shared keys replaced, so
/// members of the control group, who cannot read <c>policy.db</c>, can run <c>rampart policy list/show</c>.
/// No key leaves the agent this way.
/// </summary>
public sealed class PolicyView(AgentOptions options, ControlDispatcher dispatcher) : IHostedService
{
    /// <summary>Stands in for every pre-shared key; the CLI masks keys when it prints them anyway.</summary>
    public const string WithheldKey = "(withheld by rampartd)";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        dispatcher.Register(ControlAccess.PolicyViewCommand, _ =>
        {
            PolicySnapshot snapshot;
            using (var store = SqlitePolicyStore.Open(options.Home))
            {
                snapshot = store.Load();
            }

            return ValueTask.FromResult<object?>(JsonDocument.Parse(PolicyJsonWriter.ToJson(writer => Write(writer, snapshot), indented: false)).RootElement.Clone());
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static void Write(Utf8JsonWriter writer, PolicySnapshot snapshot)
    {
        writer.WriteStartObject();
        if (snapshot.AssignedPolicyName is { } assigned)
        {
            writer.WriteString("assigned", assigned);
        }

        writer.WriteStartArray("policies");
        foreach (var policy in snapshot.Policies)
        {
            PolicyJsonWriter.WritePolicy(writer, Withhold(policy), includeSecrets: true, assigned: null);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("filterLists");
        foreach (var list in snapshot.FilterLists)
        {
            PolicyJsonWriter.WriteFilterList(writer, list);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("filterActions");
        foreach (var action in snapshot.FilterActions)
        {
            PolicyJsonWriter.WriteFilterAction(writer, action);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static IpsecPolicy Withhold(IpsecPolicy policy) => policy with
    {
        Rules = policy.Rules.Select(r => r with { AuthenticationMethods = Withhold(r.AuthenticationMethods) }).ToEquatableList(),
        DefaultResponseAuthentication = policy.DefaultResponseAuthentication is { } methods ? Withhold(methods) : null,
    };

    private static EquatableList<AuthenticationMethod> Withhold(EquatableList<AuthenticationMethod> methods) =>
        methods.Select(m => m is AuthenticationMethod.PreSharedKey ? new AuthenticationMethod.PreSharedKey(WithheldKey) : m).ToEquatableList();
}
