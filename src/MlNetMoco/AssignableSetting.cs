namespace MlNetMoco;

/// <summary>
/// A setting's value and whether the user assigned it. A non-nullable option whose default depends on other settings
/// (MoCo v3 with a ViT takes the paper's weight decay and warm-up unless the user assigned them, even to the plain
/// default) keeps its plain type for the search-space attributes and reads <see cref="Assigned"/> to tell the two
/// cases apart.
/// </summary>
/// <typeparam name="T">The setting's type.</typeparam>
/// <param name="Value">The value: the plain default until assigned.</param>
/// <param name="Assigned">Whether the property's setter ran.</param>
internal readonly record struct AssignableSetting<T>(T Value, bool Assigned);
