// analysis.json (vidpipe_types.analysis.AnalysisDocument) as a person reads it: the summary
// profile (takeaways, a timeline whose timestamps seek the player, keywords, visual audit) or
// the product profile (a table).

import { h, keyValueTable, parseTimestamp } from "./dom.js";

const list = (items) => (items?.length ? items.join(", ") : null);
const yesNo = (value) => (value === true ? "yes" : value === false ? "no" : null);

/** A button that seeks the player to the timestamp, or the plain text when it is not one. */
function timestamp(text, seek) {
  const seconds = parseTimestamp(text);
  if (seconds === null || !seek) return h("span", { class: "timestamp" }, text);
  return h(
    "button",
    {
      type: "button",
      class: "timestamp link",
      "data-seconds": String(seconds),
      "aria-label": `Play from ${text}`,
      onclick: () => seek(seconds),
    },
    text,
  );
}

function summary(result, seek) {
  const takeaways = result.keyTakeaways ?? [];
  const timeline = result.timeline ?? [];
  const keywords = result.keywords ?? [];
  const audit = result.visualAudit ?? [];
  return [
    h("h3", { class: "analysis-title" }, result.title),
    h("p", { class: "analysis-summary" }, result.summary),
    takeaways.length
      ? [h("h4", {}, "Key takeaways"), h("ul", { class: "takeaways" }, takeaways.map((t) => h("li", {}, t)))]
      : null,
    timeline.length
      ? [
          h("h4", {}, "Timeline"),
          h(
            "ol",
            { class: "analysis-timeline" },
            timeline.map((entry) =>
              h(
                "li",
                {},
                timestamp(entry.timestamp, seek),
                " ",
                h("span", {}, entry.description),
                entry.details?.length ? h("ul", {}, entry.details.map((d) => h("li", {}, d))) : null,
              ),
            ),
          ),
        ]
      : null,
    keywords.length
      ? [h("h4", {}, "Keywords"), h("ul", { class: "chips" }, keywords.map((k) => h("li", {}, k)))]
      : null,
    audit.length
      ? [
          h("h4", {}, "Visual audit"),
          h(
            "table",
            { class: "grid" },
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Time"), h("th", { scope: "col" }, "Type"), h("th", { scope: "col" }, "What is seen"))),
            h(
              "tbody",
              {},
              audit.map((entry) =>
                h("tr", {}, h("td", {}, timestamp(entry.timestamp, seek)), h("td", {}, entry.type), h("td", {}, entry.detail)),
              ),
            ),
          ),
        ]
      : null,
  ];
}

function product(result) {
  const brand = result.brand_info ?? {};
  const identity = result.product_identity ?? {};
  const category = result.category ?? {};
  const packaging = result.packaging ?? {};
  const nutrition = result.nutrition_facts;
  return [
    h("h3", { class: "analysis-title" }, identity.product_name ?? "Product"),
    keyValueTable(
      [
        ["Brand", brand.brand_name],
        ["Manufacturer", brand.manufacturer],
        ["Sub-brand", brand.sub_brand],
        ["Logo visible", yesNo(brand.logo_visible)],
        ["Product", identity.product_name],
        ["Variant", identity.variant],
        ["Net quantity", identity.net_quantity],
        ["Barcode", identity.barcode],
        ["Description", identity.description],
        ["Category", [category.primary, category.secondary].filter(Boolean).join(" › ")],
        ["Tags", list(category.tags)],
        ["Packaging", [packaging.type, packaging.material].filter(Boolean).join(", ")],
        ["Colours", list(packaging.colors)],
        ["Claims", list(packaging.claims)],
      ],
      "Product profile",
    ),
    nutrition
      ? [
          keyValueTable(
            [
              ["Serving size", nutrition.serving_size],
              ["Servings per container", nutrition.servings_per_container],
              ["Calories per serving", nutrition.calories_per_serving],
              ["Ingredients", list(nutrition.ingredients)],
              ["Allergens", list(nutrition.allergens)],
            ],
            "Nutrition facts",
          ),
          nutrition.nutrients?.length
            ? h(
                "table",
                { class: "grid" },
                h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Nutrient"), h("th", { scope: "col" }, "Amount"), h("th", { scope: "col" }, "% daily value"))),
                h(
                  "tbody",
                  {},
                  nutrition.nutrients.map((n) =>
                    h("tr", {}, h("td", {}, n.name), h("td", {}, n.amount), h("td", {}, n.daily_value_percent ?? "")),
                  ),
                ),
              )
            : null,
        ]
      : null,
  ];
}

/** The analysis section's content for the document; `seek(seconds)` moves the player. */
export function renderAnalysis(doc, seek) {
  const about = h("p", { class: "muted" }, `${doc.profile} · ${doc.depth} · ${doc.model}`);
  const body = doc.profile === "product" ? product(doc.result ?? {}) : summary(doc.result ?? {}, seek);
  return h("div", { class: "analysis", "data-profile": doc.profile }, body, about);
}
