import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { MatrixPage } from "./MatrixPage.tsx";
import { ResultsPage } from "./ResultsPage.tsx";
import { resultsSearch } from "./search.ts";

const resultsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/results",
  validateSearch: resultsSearch,
  component: function Results() {
    return <ResultsPage search={resultsRoute.useSearch()} />;
  },
});

const matrixRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/results/matrix",
  validateSearch: resultsSearch,
  component: function Matrix() {
    return <MatrixPage search={matrixRoute.useSearch()} />;
  },
});

export const resultsRoutes = [resultsRoute, matrixRoute];
