"""What the notebooks show, as tested library functions: comparison-table building blocks
(`common`), the paper's method comparisons (`methods`) and the status of every target
(`targets`). `from aznas_core import report; report.X` reaches every public name of the three.
"""
from aznas_core.report.common import (AGGREGATIONS, DATASET_TITLES, DATASETS,  # noqa: F401
                                      PROXY_LETTERS, RESULTS_DIR, combination_scores, compare,
                                      kendall_table, parse_combination, write_results)
from aznas_core.report.methods import (FIGURE_METHODS, MIN_ARCHS, SAMPLE_SIZES,  # noqa: F401
                                       REAL_INPUT, REAL_INPUT_PROXIES, SUBSTITUTE, TABLE1_METHODS,
                                       Method, cached_scores, real_input_columns,
                                       claim_row, comparison_frame, documented_sample,
                                       method_rows, method_scores, ms_per_arch,
                                       pair_difference_ci, pair_nonlinear_kendall,
                                       proxy_correlations, timed_ms_per_arch)
from aznas_core.report.targets import TARGETS, Target, status_table  # noqa: F401
from aznas_core.report.inputs import (INPUTS, NATURAL, REAL_INPUT_METHODS, gradsign_reductions,  # noqa: F401
                                      input_comparison, input_verdict_lines, input_wide,
                                      style_input_comparison, verdicts,
                                      baseline_sensitivity)
from aznas_core.report.paper import (ARCHITECTURE_PROXIES, acc_init_spread,  # noqa: F401
                                     cache_coverage, headline, largest_deltas, plot_acc_inits,
                                     plot_runtime, pool_label, proxies_of, recompute_sample,
                                     resolution_kendall, style_headline, style_table,
                                     synflow_precision, table1, table1_cells, table1_dataset,
                                     table1_frames, table1_reported, table1_runtime,
                                     table1_verdict, tolerance_gaps)
from aznas_core.report.paper import authors_stream  # noqa: F401
from aznas_core.report.paper import (AZNAS, NETWORK_PROXIES, TABLE4_PROXIES,  # noqa: F401
                                     SensitivityFrames, plot_sensitivity, plot_table4, seed_noise,
                                     sensitivity, sensitivity_effects, sensitivity_headline,
                                     sensitivity_row, sensitivity_sampler, sensitivity_summary,
                                     table4, table4_flops_check, table4_frame, table4_labels,
                                     table4_variants, table4_verdict, variants_side_by_side,
                                     wide_table)
from aznas_core.report.paper import (SEARCH_KEYS, plot_convergence, plot_mbv2_archs,  # noqa: F401
                                     pooled_curves, search_config, search_cost, table2_found,
                                     table2_reported, table2_verdict)
from aznas_core.report.paper import (cached_configurations, config_table,  # noqa: F401
                                     config_verdict, dataset_complexity, frames_for,
                                     plot_config_table, plot_table9, table9)
from aznas_core.report.paper import (ACCURACY_COLUMNS, FIG9_CHOOSERS, fig9_claims,  # noqa: F401
                                     fig9_picks, plot_fig9)
from aznas_core.report.paper import fig7_claims, fig7_pairs, plot_fig7  # noqa: F401
from aznas_core.report.paper import (TABLE5_LETTERS, comparison_frames, table5,  # noqa: F401
                                     table5_rows, table5_steps)
from aznas_core.report.paper import (FIG6_BASELINES, fig6_claims, fig6_kendall,  # noqa: F401
                                     plot_fig6)
from aznas_core.report.paper import fig2, pc_spectrum, plot_fig2  # noqa: F401
from aznas_core.report.blog import (BLOG8, EXT_SPACE_TITLES, SPACE_TITLES,  # noqa: F401
                                    AZNAS_ROWS, CORRELATION_COLUMNS, RESNET18_BLOCKS,
                                    TABLE3_TASKS, BlogCorrelations, BlogProfiles, BlogTable1,
                                    BlogTable2, BlogTable3, BlogTable4, ResNet18,
                                    average_ranks_by_space, blog_correlations, blog_profiles,
                                    blog_spearman, blog_table1, blog_table2, blog_table3,
                                    blog_table4, dominating_proxies, mean_matrix,
                                    plot_blog_profiles, plot_blog_table3,
                                    plot_correlation_heatmaps, save_figure, score_resnet18,
                                    style_verdict, tasks_per_space)
